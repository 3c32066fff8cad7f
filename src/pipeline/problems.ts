/** One thing wrong with a pipeline file, located by JSON pointer and line:column. */
export interface Problem {
  message: string;
  /** JSON pointer of the value at fault, e.g. "/stages/1/model". */
  pointer: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  offset: number;
  length: number;
  severity: 'error' | 'warning';
  /** `schema` problems are also shown by the JSON editor through `jsonValidation`. */
  source: 'schema' | 'semantic';
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** `file:line:column: message`, the form editors and terminals turn into links. */
export function formatProblem(file: string, problem: Problem): string {
  const tag = problem.severity === 'warning' ? 'warning: ' : '';
  return `${file}:${problem.line}:${problem.column}: ${tag}${problem.message}`;
}
