/**
 * Structural checks against `pipeline.schema.json` — the same schema the JSON editor
 * uses — with Ajv's errors turned into one readable problem per fault.
 */
import Ajv from 'ajv';
import type { ErrorObject } from 'ajv';
import schema from './pipeline.schema.json';
import { fromPointer, spanOfKey, spanOfPath } from './jsonPositions';
import type { PathSegment } from './jsonPositions';
import type { Node } from 'jsonc-parser';
import type { Problem } from './problems';

const ajv = new Ajv({ allErrors: true, verbose: true });
// Editor-only keywords of VS Code's JSON language service: no meaning for validation.
ajv.addVocabulary(['patternErrorMessage', 'enumDescriptions', 'defaultSnippets']);
const validateSchema = ajv.compile(schema);

export function schemaProblems(text: string, root: Node | undefined, value: unknown): Problem[] {
  if (validateSchema(value)) return [];
  return readableErrors(validateSchema.errors ?? []).map((error) => toProblem(text, root, error));
}

/**
 * Ajv reports every branch it tried: drop the "must match then/else schema" echoes of
 * conditionals and the per-branch noise under a failed `oneOf`, which gets one message.
 */
function readableErrors(errors: ErrorObject[]): ErrorObject[] {
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'if') return false;
    if (e.keyword !== 'oneOf' && e.schemaPath.includes('/oneOf/') && oneOfPaths.some((p) => e.instancePath.startsWith(p))) {
      return false;
    }
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toProblem(text: string, root: Node | undefined, error: ErrorObject): Problem {
  const path = fromPointer(error.instancePath);
  const where = describePath(path);
  let message: string;
  let span = spanOfPath(text, root, path);
  let pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const parentSchema = error.parentSchema;

  switch (error.keyword) {
    case 'required':
      message = `${where} is missing the required property "${String(params.missingProperty)}"`;
      break;
    case 'additionalProperties': {
      const property = String(params.additionalProperty);
      const childPath = [...path, property];
      span = spanOfKey(text, root, childPath);
      pointer = error.instancePath + '/' + property;
      const allowed = Object.keys((parentSchema?.properties as object | undefined) ?? {});
      message = `unknown property "${property}" in ${where}` + (allowed.length ? ` (allowed: ${allowed.join(', ')})` : '');
      break;
    }
    case 'enum':
      message = `${where} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'const':
      message = `${where} must be ${JSON.stringify(params.allowedValue)}`;
      break;
    case 'pattern':
      message = `${where} ${typeof parentSchema?.patternErrorMessage === 'string' ? `is not valid: ${parentSchema.patternErrorMessage}` : `must match ${String(params.pattern)}`}`;
      break;
    case 'oneOf':
      message = `${where} does not fit: ${typeof parentSchema?.description === 'string' ? parentSchema.description : 'see the schema'}`;
      break;
    default:
      message = `${where} ${error.message ?? 'is not valid'}`;
  }
  return { message, pointer, ...span, severity: 'error', source: 'schema' };
}

/** `stages[1].resize.width`, or "the pipeline" for the root. */
export function describePath(path: readonly PathSegment[]): string {
  if (path.length === 0) return 'the pipeline';
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
