// The parts of the demo shop (scenarios/demo/site/shop.js) that no violating variant changes: the
// banner with the demo's categories and texts, reading the visitor's choice, the CMP-gated pixels,
// the reload Segment's docs advise after a change of mind, and the "Add to cart" button. Keeping
// them here means each variant's /shop.js shows only how it wires Segment, which is where it goes wrong.
window.shopKit = (function () {
  var CATEGORIES = ['necessary', 'analytics', 'marketing'];

  function categories() {
    var granted = {};
    CATEGORIES.forEach(function (c) { granted[c] = CookieConsent.acceptedCategory(c); });
    return granted;
  }

  function firePixels(granted) {
    var here = encodeURIComponent(location.href);
    if (granted.marketing) {
      new Image().src = 'https://www.facebook.com/tr?id=1234567890&ev=PageView&dl=' + here;
    }
    if (granted.analytics) {
      navigator.sendBeacon('https://www.google-analytics.com/g/collect?v=2&tid=G-DEMO123&en=page_view&dl=' + here);
    }
  }

  function runBanner(handlers) {
    CookieConsent.run({
      categories: { necessary: { enabled: true, readOnly: true }, analytics: {}, marketing: {} },
      onConsent: handlers.onConsent,
      onChange: handlers.onChange,
      language: {
        default: 'en',
        translations: {
          en: {
            consentModal: {
              title: 'We use cookies',
              description: 'Analytics helps us improve the shop; marketing lets partners show you our ads.',
              acceptAllBtn: 'Accept all',
              acceptNecessaryBtn: 'Reject all',
              showPreferencesBtn: 'Manage preferences'
            },
            preferencesModal: {
              title: 'Cookie preferences',
              acceptAllBtn: 'Accept all',
              acceptNecessaryBtn: 'Reject all',
              savePreferencesBtn: 'Save preferences',
              sections: [
                { title: 'Strictly necessary', description: 'Needed for the shop to work.', linkedCategory: 'necessary' },
                { title: 'Analytics', description: 'Segment analytics destinations and Google Analytics.', linkedCategory: 'analytics' },
                { title: 'Marketing', description: 'Advertising destinations and the Facebook pixel.', linkedCategory: 'marketing' }
              ]
            }
          }
        }
      }
    });
  }

  // Segment never unloads device-mode code when consent is withdrawn, so the shop reloads once the
  // consent-change event has been delivered (an "after" plugin runs after delivery).
  function reloadAfterConsentChange() {
    window.analytics.register({
      name: 'Reload after consent change', type: 'after', version: '1.0.0',
      isLoaded: function () { return true; }, load: function () { return Promise.resolve(); },
      track: function (ctx) {
        if (ctx.event.event === 'Segment Consent Preference Updated') { location.reload(); }
        return ctx;
      }
    });
  }

  // Call on a change of mind: reload at once when Segment is not running, else wait for the
  // consent-change event (with a safety net in case it is dropped).
  function reloadSoon() {
    if (!window.analytics || !window.analytics.initialized) { location.reload(); return; }
    setTimeout(function () { location.reload(); }, 4000);
  }

  // Opt-in consent-tools keeps loaded destinations, so a withdrawn category's destination would
  // still get the consent-change event before the reload; drop it here.
  function dropWithdrawnDestinations() {
    var destinationCategory = { 'Actions Amplitude': 'analytics', 'Pinterest Conversions API': 'marketing' };
    window.analytics.addDestinationMiddleware('*', function (m) {
      var category = destinationCategory[m.integration];
      m.next(category && !CookieConsent.acceptedCategory(category) ? null : m.payload);
    });
  }

  function onAddToCart(track) {
    var button = document.getElementById('add-to-cart');
    if (button) {
      button.addEventListener('click', function () {
        track('Product Added', { sku: button.dataset.sku, price: 12, currency: 'EUR' });
      });
    }
  }

  return {
    categories: categories,
    firePixels: firePixels,
    runBanner: runBanner,
    reloadAfterConsentChange: reloadAfterConsentChange,
    reloadSoon: reloadSoon,
    dropWithdrawnDestinations: dropWithdrawnDestinations,
    onAddToCart: onAddToCart
  };
})();
