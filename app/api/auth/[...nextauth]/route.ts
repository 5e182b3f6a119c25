// Auth.js endpoints (sign-in, sign-out, session, CSRF) for the browser console.
import { handlers } from '@/lib/auth/next-auth';

export const { GET, POST } = handlers;
