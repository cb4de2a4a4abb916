// Registers the offline service worker and offers "Update available — Reload" when a new
// version is waiting. The worker never takes over a running page by itself: a job in progress
// and every file it loads must come from one version.

export async function registerServiceWorker({ version, toast, reloadButton }) {
  if (!('serviceWorker' in navigator)) return;
  // The version in the script URL makes each build a new worker (service-worker.js itself
  // rarely changes) and tells that worker which cache is its own.
  const registration = await navigator.serviceWorker.register(`service-worker.js?v=${encodeURIComponent(version)}`);

  // With no controller this is the first install, not an update: nothing to offer.
  const offerUpdate = () => { toast.hidden = !(registration.waiting && navigator.serviceWorker.controller); };
  offerUpdate();
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    installing?.addEventListener('statechange', offerUpdate);
  });

  let reloadRequested = false;
  reloadButton.addEventListener('click', () => {
    reloadRequested = true;
    reloadButton.disabled = true;
    registration.waiting?.postMessage({ type: 'skip-waiting' });
  });
  // Also fires when the first worker claims the page; only a requested update reloads.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloadRequested) window.location.reload();
  });
}
