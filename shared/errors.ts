// Errors that carry a user-facing explanation and a fix. They cross every transport as {message, code, hint}.
export class UserError extends Error {
  readonly code: string
  readonly hint: string | undefined
  constructor(code: string, message: string, hint?: string) {
    super(message)
    this.name = 'UserError'
    this.code = code
    this.hint = hint
  }
}

export function errorInfo(e: unknown): { message: string; code: string; hint?: string } {
  if (e instanceof UserError) return e.hint ? { message: e.message, code: e.code, hint: e.hint } : { message: e.message, code: e.code }
  if (isZodError(e)) {
    // A schema failure that escaped a friendlier check: name the fields, never dump the schema.
    const detail = e.issues.map((i) => `${i.path.map(String).join('.') || '(value)'}: ${i.message}`).join('; ')
    return { message: `invalid input: ${detail}`, code: 'bad_input' }
  }
  if (e instanceof Error) return { message: e.message, code: 'internal' }
  return { message: String(e), code: 'internal' }
}

function isZodError(e: unknown): e is Error & { issues: { path: PropertyKey[]; message: string }[] } {
  return e instanceof Error && e.name === 'ZodError' && Array.isArray((e as { issues?: unknown }).issues)
}
