// How policies decide, said once in the words of API-NOTES "Policies — one truth table", wherever
// an operator writes or reads policies.
export function PolicyModelNote() {
  return (
    <ul className="list-disc space-y-1 pl-5 text-sm text-slate-600" data-testid="policy-model">
      <li>
        <strong>Deny by default.</strong> A request is allowed only when some rule of an applicable policy allows it.
      </li>
      <li>
        A policy applies when it is active, organization-wide or of the request&apos;s environment, and either has no bindings
        or a binding that matches the request (its agent, environment, tool, member, role…).
      </li>
      <li>
        <strong>Higher priority wins.</strong> A policy&apos;s priority is that of its best matching binding (0 without
        bindings); the highest priority at which a rule matches decides.
      </li>
      <li>
        <strong>At equal priority, deny beats allow</strong> — so an environment&apos;s deny overrides an organization-wide
        allow.
      </li>
      <li>
        <strong>Short form:</strong> one tool per line. <code className="font-mono text-xs">echo</code> means the tool echo on
        any connection, <code className="font-mono text-xs">github/*</code> every tool of the connection github.
      </li>
    </ul>
  );
}
