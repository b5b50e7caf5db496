// wholeplace's only script: marks the page as having JavaScript and starts GOV.UK Frontend's
// components. Loaded as a module from our own origin (the Content-Security-Policy allows no
// inline script). Every page also works without it.
//
// GOV.UK Frontend's components start only where the body has `govuk-frontend-supported`, which
// its template sets from an inline script when the browser runs modules; this script is a module,
// so reaching this line says the same. Without the class the service navigation never collapses
// into its Menu button on a phone.
document.body.classList.add('js-enabled', 'govuk-frontend-supported');
import('/assets/govuk/govuk-frontend.min.js')
  .then((govuk) => {
    govuk.initAll();
  })
  .catch(() => {
    // Without the components the pages still work as plain HTML.
    document.body.classList.remove('govuk-frontend-supported');
  });

// Uploads show their progress: a form marked data-wp-progress is sent in the background, its
// progress bar shows how much has been sent, then says the file is being checked, and the
// answer replaces the page (as an ordinary submission would). Without this script the form
// submits normally.
for (const form of document.querySelectorAll('form[data-wp-progress]')) {
  const box = form.querySelector('.wp-progress');
  const bar = form.querySelector('.wp-progress__bar');
  const status = form.querySelector('[role="status"]');
  if (!box || !bar || !status || !window.XMLHttpRequest || !window.FormData) continue;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    box.hidden = false;
    bar.value = 0;
    status.textContent = 'Sending the file…';
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) {
        const pct = Math.round((e.loaded / e.total) * 100);
        bar.value = pct;
        status.textContent = `Sending the file: ${pct}% of ${(e.total / 1048576).toFixed(1)} MB`;
      }
    });
    xhr.upload.addEventListener('load', () => {
      bar.removeAttribute('value');
      status.textContent = 'Sent. Checking every row and importing: this can take a minute for a large file…';
    });
    xhr.addEventListener('load', () => {
      if (xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.history.replaceState(null, '', xhr.responseURL);
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener('error', () => {
      if (button) button.disabled = false;
      status.textContent = 'The upload failed: check your connection and try again. Nothing was imported.';
    });
    xhr.send(new FormData(form));
  });
}

// A running job's progress refreshes itself: an element marked data-wp-poll is replaced every
// few seconds by the same element of the page fetched again, and when the job has ended (the
// fetched page has no such element) the page is loaded again to show what it found. Without
// this script the page offers a link to refresh it.
const poll = document.querySelector('[data-wp-poll]');
if (poll && window.fetch && window.DOMParser) {
  const every = Math.max(1000, Number(poll.dataset.wpPoll) || 2000);
  const tick = async () => {
    try {
      const res = await fetch(window.location.href, { credentials: 'same-origin' });
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const next = doc.querySelector('[data-wp-poll]');
      if (!next) {
        window.location.reload();
        return;
      }
      const status = poll.querySelector('[role="status"]');
      const nextStatus = next.querySelector('[role="status"]');
      if (status && nextStatus) status.textContent = nextStatus.textContent;
      const bar = poll.querySelector('progress');
      const nextBar = next.querySelector('progress');
      if (bar && nextBar) bar.value = nextBar.value;
      else if (!bar && nextBar) poll.insertBefore(nextBar, status ? status.nextSibling : null);
    } catch {
      // A failed fetch is tried again at the next tick.
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}
