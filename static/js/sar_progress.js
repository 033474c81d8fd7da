// Follows a subject-access copy being made: updates the progress bar, and reloads the page
// when the copy is built or making it failed. The page works without this file (a Refresh link).
document.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-sar-status-url]");
  if (!panel) return;
  const url = panel.getAttribute("data-sar-status-url");
  const bar = document.getElementById("sar-progress");
  const text = document.getElementById("sar-progress-text");
  let lastAnnounced = -1;
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const status = await response.json();
      if (status.export_state !== "queued" && status.export_state !== "building") {
        window.location.reload();
        return;
      }
      bar.value = status.progress;
      bar.textContent = `${status.progress}%`;
      // Announce every tenth, not every percent, so a screen reader is not flooded.
      const tenth = Math.floor(status.progress / 10);
      if (tenth !== lastAnnounced) {
        lastAnnounced = tenth;
        text.textContent = `${status.progress}% done: ${status.step || "waiting for a worker"}`;
      }
    } catch (error) {
      // A dropped connection: try again at the next tick.
    }
  };
  window.setInterval(poll, 2000);
});
