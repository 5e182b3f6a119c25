// What the two operator settings behind a stdio refusal mean, shown next to the refusal itself:
// the service's message names the setting, this says what it is and who can change it.

export const ALLOWED_COMMANDS_EXPLAINED =
  'MCP_STDIO_ALLOWED_COMMANDS is the list of programs the operator of this instance lets the gateway start as stdio MCP servers. A stdio server is a process on the gateway’s own machine, so only commands on that list run — each as an entry such as "mcp-server-everything" (a program found on the server’s PATH, or an absolute path) or "npx @modelcontextprotocol/server-everything" (a package runner limited to that one package). An empty list turns stdio servers off. Use a listed command, or ask the operator to add yours to the setting and restart the server.';

export const REGISTRATION_EXPLAINED =
  'MCP_STDIO_REGISTRATION says who may register or change stdio MCP servers: "instance_admin" (only the instance administrator — the default while anyone can sign up, since a stdio server runs a program on the gateway’s machine) or "org_admin" (any organization admin or owner). http and ws servers are not affected.';

/** Explains the setting a refusal names; nothing when it names none. */
export function StdioRefusalNote({ message }: { message?: string }) {
  if (!message) return null;
  const notes = [
    ...(message.includes('MCP_STDIO_ALLOWED_COMMANDS') || message.includes('is not allowed with these arguments') ? [ALLOWED_COMMANDS_EXPLAINED] : []),
    ...(message.includes('MCP_STDIO_REGISTRATION') ? [REGISTRATION_EXPLAINED] : []),
  ];
  if (!notes.length) return null;
  return (
    <div className="space-y-2 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900" data-testid="stdio-setting-note">
      {notes.map((note) => (
        <p key={note}>{note}</p>
      ))}
    </div>
  );
}
