/**
 * What "Copy Sample Request" puts on the clipboard: a curl command and a Python script that
 * call a service's Open Inference Protocol `infer` route with an image, its key in the
 * Authorization header, and the classification extension asking for the top k. No vscode
 * here: plain-Node unit tests run the output against a real host.
 */
import type { ServiceInfo } from '../workspaces/workspace';

export type SampleLanguage = 'curl' | 'python';

export interface SampleRequestInput {
  service: Pick<ServiceInfo, 'name' | 'scoring_uri' | 'synthetic'>;
  workspaceLabel: string;
  key: string;
  /** How many classes to ask for (the classification extension's k). */
  top: number;
  /** The image the sample sends; a placeholder path when none is at hand. */
  imagePath?: string;
}

/** Single quotes for a POSIX shell: nothing inside is expanded. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function pythonString(text: string): string {
  return JSON.stringify(text);
}

function heading(input: SampleRequestInput, comment: string): string[] {
  const lines = [
    `${comment} Service "${input.service.name}" in ${input.workspaceLabel}: Open Inference Protocol v2, classification extension (top ${input.top}).`,
    `${comment} The key is the service's primary key: keep it out of source control; the secondary key works the same.`,
  ];
  if (input.service.synthetic) lines.push(`${comment} This service runs generated weights: its timings are real, its classes are meaningless.`);
  return lines;
}

function curlSample(input: SampleRequestInput, image: string): string {
  // printf is a shell builtin: a large image's base64 passes through a pipe, not an argument (whose size Linux caps at 128 KiB).
  const body = `{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["%s"]}],"outputs":[{"name":"scores","parameters":{"classification":${input.top}}}]}`;
  return [
    ...heading(input, '#'),
    `URL=${shellQuote(input.service.scoring_uri)}`,
    `KEY=${shellQuote(input.key)}`,
    `IMAGE=${shellQuote(image)}`,
    `printf '${body}' "$(base64 < "$IMAGE" | tr -d '\\n')" |`,
    `  curl -sS "$URL" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @-`,
    `# → {"outputs":[{"name":"scores","datatype":"BYTES","shape":[1,${input.top}],"data":["<score>:<class index>:<label>", ...]}], ...}`,
    '',
  ].join('\n');
}

function pythonSample(input: SampleRequestInput, image: string): string {
  return [
    ...heading(input, '#'),
    '# Python 3, standard library only.',
    'import base64, json, urllib.request',
    '',
    `URL = ${pythonString(input.service.scoring_uri)}`,
    `KEY = ${pythonString(input.key)}`,
    `IMAGE = ${pythonString(image)}`,
    '',
    'with open(IMAGE, "rb") as file:',
    '    image = base64.b64encode(file.read()).decode("ascii")',
    'body = {',
    '    "inputs": [{"name": "image", "datatype": "BYTES", "shape": [1], "data": [image]}],',
    `    "outputs": [{"name": "scores", "parameters": {"classification": ${input.top}}}],`,
    '}',
    'request = urllib.request.Request(',
    '    URL, data=json.dumps(body).encode(), headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}',
    ')',
    'with urllib.request.urlopen(request) as response:',
    '    for entry in json.load(response)["outputs"][0]["data"]:',
    '        score, index, label = entry.split(":", 2)',
    '        print(f"{float(score):7.2%}  {index:>4}  {label}")',
    '',
  ].join('\n');
}

export function sampleRequest(language: SampleLanguage, input: SampleRequestInput): string {
  const image = input.imagePath ?? 'photo.jpg';
  return language === 'curl' ? curlSample(input, image) : pythonSample(input, image);
}
