// What the chat e2e tests do with a page of the chat (web/static), in one
// place: the selectors of the page are its contract with these tests.

/** exactly matches a text from start to end. */
export const exactly = (text) => new RegExp("^" + text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "$");

/** waitStatus waits for the connection status the page shows. */
export const waitStatus = (page, state) => page.locator(`#status[data-state="${state}"]`).waitFor();

/** message locates a message or notice of the open conversation by its text. */
export const message = (page, text) => page.locator("#messages li", { hasText: text });

/** signIn picks name on the page's login form and waits until connected. */
export async function signIn(page, name) {
  await page.fill("#name", name);
  await page.click("#join");
  await page.locator("#app").waitFor({ state: "visible" });
  await waitStatus(page, "connected");
}

/**
 * openChat opens url in a new page of context, its errors pushed to
 * pageErrors, and signs in as name.
 */
export async function openChat(context, pageErrors, url, name) {
  const page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err));
  await page.goto(url);
  await signIn(page, name);
  return page;
}

/** say sends text in the open conversation and waits for its delivery ack. */
export async function say(page, text) {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  await page.locator('#messages .msg.mine[data-status="delivered"]', { hasText: text }).waitFor();
}

/** open switches to the conversation whose title is exactly title. */
export async function open(page, title) {
  await page.locator("#conversations button", { has: page.locator(".label", { hasText: exactly(title) }) }).click();
  await page.locator("#title", { hasText: exactly(title) }).waitFor();
}

/** waitUsers waits until the online list shows exactly names. */
export async function waitUsers(page, names) {
  const want = [...names].sort();
  await page.waitForFunction(
    (want) => JSON.stringify([...document.querySelectorAll("#users .label")].map((n) => n.textContent).sort()) === JSON.stringify(want),
    want,
  );
}
