/**
 * The one error a bad image produces, from decoding or pre-processing. It is a UserError
 * because the sender can fix it (a different file, a smaller image); the service host
 * answers it with 400 and this message.
 */
import { UserError } from '../../common/errors';

export class ImageError extends UserError {
  override readonly name: string = 'ImageError';
}
