/**
 * Browser stand-in for `lightning/empApi` (a platform module, not part of lightning-base-components). Subscriptions
 * succeed and stay silent: the browser check does not follow a deployment to its end.
 */
export function subscribe(channel) {
  return Promise.resolve({ channel });
}

export function unsubscribe(subscription, callback) {
  if (callback) {
    callback(true);
  }
  return Promise.resolve(true);
}

export function onError() {}

export function isEmpEnabled() {
  return Promise.resolve(true);
}
