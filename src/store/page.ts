// Keyset pagination is a pure shape (src/core/page.ts); store functions build pages with toPage.
export { toPage, type Page, type PageRequest } from "../core/page.ts";
