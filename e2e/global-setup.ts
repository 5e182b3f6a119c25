// Refuses to run browser tests against anything but a local, throwaway database.
export default function globalSetup(): void {
  const url = process.env.DATABASE_URL;
  if (url && !/@(localhost|127\.0\.0\.1)(:\d+)?\//.test(url)) {
    throw new Error('E2E tests refuse to run against a non-local DATABASE_URL');
  }
}
