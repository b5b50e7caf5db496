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
