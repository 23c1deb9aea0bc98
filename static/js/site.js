// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:configRequest", () => {});
