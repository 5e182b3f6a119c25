'use client';
// Which organization the console shows. A native select and a submit button: keyboard and
// screen-reader friendly, and it works without JavaScript (the action redirects).
import { Button } from '@/components/ui/button';

export function OrgSwitcher({
  orgs,
  currentId,
  section,
  action,
}: {
  orgs: readonly { id: string; name: string }[];
  currentId: string;
  /** The area to stay in when switching (environments, members, …). */
  section: string;
  action: (form: FormData) => Promise<void>;
}) {
  return (
    <form action={action} className="flex items-center gap-2">
      <label htmlFor="org-switcher" className="text-xs font-medium uppercase tracking-wide text-slate-500">
        Organization
      </label>
      {/* Keyed so the select shows the new organization after a switch, not the old default. */}
      <select
        key={currentId}
        id="org-switcher"
        name="org_id"
        defaultValue={currentId}
        className="max-w-48 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      <input type="hidden" name="section" value={section} />
      <Button type="submit" variant="secondary" className="px-2! py-1! text-xs" aria-label="Switch organization">
        Switch
      </Button>
    </form>
  );
}
