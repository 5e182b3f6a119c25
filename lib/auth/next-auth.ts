// Auth.js v5 for the browser console: email + password (credentials) with JWT session cookies.
// The session carries the user id and the account's session version; a password change bumps
// the version in the database, and every session minted before it stops resolving.
import { randomUUID } from 'node:crypto';
import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { getDb } from '@/db/client';
import { loginSchema } from '@/lib/accounts/schemas';
import { resolveSessionUser, verifyCredentials } from '@/lib/accounts/service';
import { clientKey } from '@/lib/api/client-key';
import { AppError } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { getAuthSecret } from './keys';
import { usesSecureCookies } from './session-cookie';

class ThrottledSignin extends CredentialsSignin {
  code = 'throttled';
}

declare module 'next-auth' {
  interface User {
    sessionVersion?: number;
  }
  interface Session {
    userId: string;
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  // Auth.js builds its own URLs from AUTH_URL; derive it from PUBLIC_URL so no extra setting is
  // needed and a forged Host header cannot steer redirects.
  process.env.AUTH_URL ??= `${env().PUBLIC_URL}/api/auth`;
  return {
    secret: getAuthSecret(),
    trustHost: true,
    useSecureCookies: usesSecureCookies(),
    session: { strategy: 'jwt', maxAge: 7 * 24 * 3600 },
    pages: { signIn: '/login' },
    logger: { error: () => {}, warn: () => {} },
    providers: [
      Credentials({
        credentials: { email: {}, password: {} },
        async authorize(credentials, request) {
          const parsed = loginSchema.safeParse({ email: credentials.email, password: credentials.password });
          if (!parsed.success) return null;
          try {
            const ctx = { db: await getDb(), actor: { kind: 'anonymous' } as const, requestId: randomUUID(), clientKey: clientKey(request) };
            const user = await verifyCredentials(ctx, parsed.data);
            if (!user) return null;
            const name = `${user.firstName} ${user.lastName}`.trim() || user.email;
            return { id: user.id, email: user.email, name, sessionVersion: user.sessionVersion };
          } catch (error) {
            if (error instanceof AppError && error.code === 'rate_limited') throw new ThrottledSignin();
            throw error;
          }
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user?.id) {
          token.uid = user.id;
          token.sv = user.sessionVersion;
          return token;
        }
        if (typeof token.uid !== 'string' || typeof token.sv !== 'number') return null;
        const current = await resolveSessionUser(await getDb(), token.uid, token.sv);
        // null ends the session: the account is gone, disabled, or its password changed.
        return current ? token : null;
      },
      session({ session, token }) {
        session.userId = token.uid as string;
        return session;
      },
    },
  };
});
