/**
 * Turns whatever an Apex call, a wire or the browser threw into a list of messages an admin can read.
 * Handles arrays of errors, UI API errors (`body.output.errors`, `body.output.fieldErrors`), Apex errors
 * (`body.message`, `body.pageErrors`), plain JS errors and strings. Empty or unknown shapes give no message, and
 * duplicates are removed.
 * @param {*} errors one error or an array of them
 * @returns {string[]} the messages, in order, without duplicates
 */
export function reduceErrors(errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  const messages = [];
  for (const error of list) {
    for (const message of messagesOf(error)) {
      if (typeof message === 'string' && message.trim() && !messages.includes(message)) {
        messages.push(message);
      }
    }
  }
  return messages;
}

function messagesOf(error) {
  if (!error) {
    return [];
  }
  if (typeof error === 'string') {
    return [error];
  }
  const body = error.body;
  if (Array.isArray(body)) {
    return body.map((entry) => entry && entry.message);
  }
  if (body && body.output) {
    const fieldErrors = Object.values(body.output.fieldErrors || {}).flat();
    return [...(body.output.errors || []), ...fieldErrors].map((entry) => entry && entry.message);
  }
  if (body && Array.isArray(body.pageErrors) && body.pageErrors.length) {
    return body.pageErrors.map((entry) => entry && entry.message);
  }
  if (body && typeof body.message === 'string') {
    return [body.message];
  }
  if (typeof error.message === 'string') {
    return [error.message];
  }
  if (typeof error.statusText === 'string') {
    return [error.statusText];
  }
  return [];
}
