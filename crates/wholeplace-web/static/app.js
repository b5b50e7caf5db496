// wholeplace's only script: marks the page as having JavaScript and starts GOV.UK Frontend's
// components. Loaded as a module from our own origin (the Content-Security-Policy allows no
// inline script). Every page also works without it.
document.body.classList.add('js-enabled');
import('/assets/govuk/govuk-frontend.min.js')
  .then((govuk) => {
    if (govuk.isSupported && govuk.isSupported()) {
      document.body.classList.add('govuk-frontend-supported');
      govuk.initAll();
    }
  })
  .catch(() => {
    // Without the components the pages still work as plain HTML.
  });
