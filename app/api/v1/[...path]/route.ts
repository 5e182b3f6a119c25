// Any /api/v1 path that no route handles: a JSON 404 in the API's error shape, not an HTML page.
import { apiRoute } from '@/lib/api/route';
import { AppError } from '@/lib/api/errors';

const unknownPath = apiRoute({ auth: 'public' }, async ({ url }) => {
  throw new AppError('not_found', `No API endpoint at ${url.pathname}`);
});

export { unknownPath as GET, unknownPath as POST, unknownPath as PUT, unknownPath as PATCH, unknownPath as DELETE };
