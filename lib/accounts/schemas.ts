// Request bodies of the account endpoints, shared by the REST routes and the console's actions.
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/auth/passwords';

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('Enter a valid email address'))
  .transform((v) => v.toLowerCase());

export const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`);

const personName = z.string().trim().max(150);

export const registerSchema = z
  .strictObject({
    email,
    password,
    password_confirm: z.string().max(PASSWORD_MAX_LENGTH).optional(),
    first_name: personName.default(''),
    last_name: personName.default(''),
  })
  .refine((v) => v.password_confirm === undefined || v.password_confirm === v.password, {
    path: ['password_confirm'],
    message: 'Passwords do not match',
  });

export const loginSchema = z.strictObject({
  email,
  // Not checked for length beyond the cap: a wrong password is a 401, not a 400.
  password: z.string().min(1, 'Required').max(PASSWORD_MAX_LENGTH),
});

const profileFields = {
  email,
  first_name: personName,
  last_name: personName,
  current_password: z.string().max(PASSWORD_MAX_LENGTH).optional(),
  new_password: password.optional(),
};

/** PATCH: any subset. A new password needs the current one. */
export const updateMeSchema = z
  .strictObject(profileFields)
  .partial()
  .refine((v) => v.new_password === undefined || v.current_password !== undefined, {
    path: ['current_password'],
    message: 'Required to set a new password',
  });

/** PUT: the whole profile. */
export const replaceMeSchema = z
  .strictObject({
    ...profileFields,
  })
  .refine((v) => v.new_password === undefined || v.current_password !== undefined, {
    path: ['current_password'],
    message: 'Required to set a new password',
  });

export type RegisterInput = z.output<typeof registerSchema>;
export type LoginInput = z.output<typeof loginSchema>;
export type UpdateMeInput = z.output<typeof updateMeSchema>;
