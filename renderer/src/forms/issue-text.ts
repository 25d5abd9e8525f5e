import type { z } from 'zod'

// What a form says when the contract refuses a value: words for a person filling in a field ("at most
// 20 000"), not the schema's own text ("Too big: expected number to be <=20000"). Messages we wrote into the
// contract (custom checks, regex formats) are already sentences and pass through.

const count = (n: number | bigint): string => (typeof n === 'bigint' ? n.toString() : n.toLocaleString('en-US'))

function unitOf(origin: string | undefined): string {
  if (origin === 'array' || origin === 'set') return ' items'
  if (origin === 'string') return ' characters'
  return ''
}

export function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return `${issue.inclusive === false ? 'less than' : 'at most'} ${count(issue.maximum as number)}${unitOf(issue.origin)}`
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'required'
      return `${issue.inclusive === false ? 'more than' : 'at least'} ${count(issue.minimum as number)}${unitOf(issue.origin)}`
    case 'invalid_type':
      if (issue.expected === 'int') return 'a whole number'
      // issues carry no input unless asked to; zod's own message says what arrived
      return /received undefined/.test(issue.message) ? 'required' : `a ${issue.expected} is needed here`
    case 'not_multiple_of':
      return `a multiple of ${count(issue.divisor as number)}`
    case 'invalid_value':
      return `one of ${issue.values.map(String).join(', ')}`
    case 'unrecognized_keys':
      return `not a setting here: ${issue.keys.join(', ')}`
    case 'invalid_union':
      return 'not a valid choice'
    default:
      return issue.message
  }
}
