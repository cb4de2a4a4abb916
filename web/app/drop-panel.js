// Every way a person hands us an image — the file picker, a drop anywhere on the page, a paste —
// ends in one call to onFile(file). Nothing is filtered by name or MIME type here: the job
// identifies the format by its magic bytes and explains any refusal.

export function setUpDropPanel({ zone, input, chooseButton, overlay, onFile }) {
  chooseButton.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const [file] = input.files;
    // Cleared so that choosing the same file again still fires 'change'.
    input.value = '';
    if (file) onFile(file);
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
    const [file] = event.dataTransfer.files;
    if (file) onFile(file);
  });

  document.addEventListener('paste', (event) => {
    const [file] = event.clipboardData?.files ?? [];
    if (!file) return;
    event.preventDefault();
    onFile(file);
  });
}
