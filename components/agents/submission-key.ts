// A key that changes with every answer of a form action. Selects ignore a changed defaultValue
// once mounted, and React resets a form after each action: keying the fields by the answer
// remounts them with the values the answer carries (the submitted text after a refusal).
const keys = new WeakMap<object, number>();
let last = 0;

export function submissionKey(state: object): number {
  let key = keys.get(state);
  if (key === undefined) keys.set(state, (key = ++last));
  return key;
}
