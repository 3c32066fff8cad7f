/**
 * Validation of a pipeline file: JSON syntax, the schema, then semantic checks, each
 * problem located by JSON pointer and line:column.
 */
import { getNodeValue } from 'jsonc-parser';
import { parseJsonWithPositions } from './jsonPositions';
import { hasErrors } from './problems';
import type { Problem } from './problems';
import { schemaProblems } from './schemaCheck';
import { semanticProblems } from './semanticCheck';
import type { PipelineFile } from './types';

export type { Problem } from './problems';

export interface ValidationResult {
  /** The pipeline, present when there are no errors (warnings allowed). */
  pipeline?: PipelineFile;
  problems: Problem[];
}

/** `pipelinePath` locates the files the pipeline names (they are relative to it). */
export function validatePipelineText(text: string, pipelinePath: string): ValidationResult {
  const parsed = parseJsonWithPositions(text);
  if (!parsed.root || parsed.syntaxErrors.length > 0) {
    const syntax = parsed.syntaxErrors.map(({ message, span }): Problem => ({ message, pointer: '', ...span, severity: 'error', source: 'schema' }));
    return { problems: syntax };
  }
  const value: unknown = getNodeValue(parsed.root);
  const semantic = semanticProblems(text, parsed.root, value, pipelinePath);
  // Where both say something about the same value, the semantic check is the more
  // specific ("unknown featurizer … did you mean …" rather than "must be one of …").
  const claimed = new Set(semantic.filter((p) => p.severity === 'error').map((p) => p.pointer));
  const schema = schemaProblems(text, parsed.root, value).filter((p) => !claimed.has(p.pointer));
  const problems = [...schema, ...semantic].sort((a, b) => a.offset - b.offset || a.message.localeCompare(b.message));
  return hasErrors(problems) ? { problems } : { pipeline: value as PipelineFile, problems };
}
