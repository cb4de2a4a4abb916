// Every way a person hands us images — the file picker, a drop anywhere on the page, a paste —
// ends in one call to onFiles(files), files in the order given. Nothing is filtered by name or MIME type here: the job
// identifies the format by its magic bytes and explains any refusal.

export function setUpDropPanel({ zone, input, chooseButton, overlay, onFiles }) {
  chooseButton.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const files = [...input.files];
    // Cleared so that choosing the same file again still fires 'change'.
    input.value = '';
    if (files.length) onFiles(files);
  });

  // dragenter/dragleave fire for every child element crossed; counting them tells when the
  // pointer has really left the window.
  let dragDepth = 0;
  const carriesFiles = (event) => event.dataTransfer?.types.includes('Files');
  const showOverlay = (visible) => {
    overlay.hidden = !visible;
    zone.classList.toggle('is-dragging', visible);
  };

  document.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    dragDepth += 1;
    showOverlay(true);
  });
  document.addEventListener('dragleave', (event) => {
    if (!carriesFiles(event)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) showOverlay(false);
  });
  document.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // keeps the browser from navigating to the file
    dragDepth = 0;
    showOverlay(false);
    const files = [...event.dataTransfer.files];
    if (files.length) onFiles(files);
  });

  document.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    onFiles(files);
  });
}
