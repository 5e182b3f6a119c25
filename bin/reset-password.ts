// Operator tool: sets a user's password when nobody can sign in to change it.
//
//   npm run reset-password -- --email ada@example.com          # password from stdin
//   npm run reset-password -- --email ada@example.com --generate
//
// The password is read from the terminal without echo, or as the first line of stdin when piped,
// never from an argument (arguments show up in `ps` and shell history). The reset ends every
// browser session and API token of the account.
//
// Exit codes: 0 reset; 1 not reset (bad arguments, bad password, unknown email, error);
// 2 the embedded database is held by a running process.
import { runResetPassword } from './reset-password-command';

runResetPassword(process.argv.slice(2)).then((code) => process.exit(code));
