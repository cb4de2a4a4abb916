// "Works offline" in the header, and the request that makes it true. A first visit's service
// worker stores only the page; the files a cutout loads are stored as they pass, and the rest when
// the page asks, which it does once the app is idle: the first cutout neither waits for nor shares
// the connection with files it does not need (the WebGPU runtime, encoders, HEIC decoder).

// Idle this long first: a person who has just opened the app or picked a model drops a photo next.
const IDLE_BEFORE_STORING_MS = 3000;

export function createOfflineStatus(element, { isIdle }) {
  let state = 'not asked'; // → 'storing' → 'stored', or back to 'not asked' after a failure
  let timer = null;

  const show = (text, failed = false) => {
    element.textContent = text;
    element.classList.toggle('failed', failed);
    element.hidden = false;
  };

  function ask(controller) {
    state = 'storing';
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => {
      if (data.error || data.done) channel.port1.close(); // the worker's other downloads may still report
      if (data.error) {
        state = 'not asked'; // asked again the next time the app is idle
        show(`Offline use unavailable: ${data.error}`, true);
      } else if (data.done) {
        state = 'stored';
        show('Works offline');
      } else {
        // In tens: the element is a live region, and a first visit stores dozens of files.
        const percent = Math.floor((10 * data.stored) / data.total) * 10;
        const text = `Saving for offline use… ${percent}%`;
        if (element.textContent !== text) show(text);
      }
    };
    controller.postMessage({ type: 'store-for-offline' }, [channel.port2]);
  }

  /** Called whenever the app goes idle: asks the service worker to store what is missing, once. */
  function storeWhenIdle() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const controller = navigator.serviceWorker?.controller;
      if (state === 'not asked' && controller && isIdle()) ask(controller);
    }, IDLE_BEFORE_STORING_MS);
  }

  // A first visit's page is controlled once the new worker has claimed it.
  navigator.serviceWorker?.addEventListener('controllerchange', storeWhenIdle);
  return { storeWhenIdle };
}
