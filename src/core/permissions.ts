// What an API key may do. A key belongs to one clinic and carries some of these.
export const PERMISSIONS = ["booking:manage_waitlist", "booking:view_analytics", "booking:manage_schedule", "clinic:admin"] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** Staff roles (dashboard logins) and the API permissions each carries. */
export const STAFF_ROLES = ["admin", "front_desk", "viewer"] as const;

export type StaffRole = (typeof STAFF_ROLES)[number];

export const ROLE_PERMISSIONS: Record<StaffRole, readonly Permission[]> = {
  admin: PERMISSIONS,
  front_desk: ["booking:manage_waitlist", "booking:manage_schedule", "booking:view_analytics"],
  viewer: ["booking:view_analytics"],
};

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}
