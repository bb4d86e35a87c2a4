// What an API key may do. A key belongs to one clinic and carries some of these.
export const PERMISSIONS = [
  "booking:manage_waitlist",
  "booking:view_analytics",
  "booking:manage_schedule",
  "clinic:admin",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
