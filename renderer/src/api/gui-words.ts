// The engine's hints are written for the command line as well ("pass --format", "relative paths are
// taken from the current folder"). In the app they are said in the app's words: the import form's
// fields, full paths. One table, applied where a message reaches the screen (toasts, the history).

const RULES: [RegExp, string][] = [
  [/\s*\(relative paths are taken from the current folder\)/g, ' (give the full path of the file)'],
  [/;?\s*pass --format to choose one\./g, '; choose the format in the import options.'],
  [/Name it "x" \(and the labels "y"\), or pass --x-key NAME \/ --y-key NAME\./g, 'Name the features array "x" (and the labels "y") in the file.'],
  [/Name them: --x-key NAME \(and --y-key NAME for the labels\)\./g, 'Name the features array "x" (and the labels "y") in the file.'],
  [/\s*\(CLI: [^)]*\)/g, ''],
  [/missing 'drop'/g, 'Missing values “drop rows”'],
  [/missing 'mean'/g, '“fill with the column mean”'],
  [/Leave it out with drop: \['([^']*)'\]/g, 'Leave out column “$1” in the import options'],
  [/e\.g\. --size (\d+),(\d+) \(height,width\)/g, 'e.g. $1 × $2 in the import options (image size)'],
  [/--([a-z][a-z-]*)/g, 'the “$1” option'],
]

export function guiWords(text: string): string
export function guiWords(text: string | undefined): string | undefined
export function guiWords(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  let out = text
  for (const [re, to] of RULES) out = out.replace(re, to)
  return out
}
