/** 0 success; 1 a user error (bad input, failed check); 2 bad usage of the command line. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_USAGE = 2;
