// The demo shop's consent wiring: vanilla-cookieconsent decides, consent-tools gates and stamps Segment,
// and the two pixels fire only for their granted category.
(function () {
  var CATEGORIES = ['necessary', 'analytics', 'marketing'];
  var listeners = [];

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

  // Segment does not unload device-mode code when consent is withdrawn; Segment's docs advise a reload.
  // Reload once the consent-change event has been delivered (an "after" plugin runs after delivery),
  // or at once when Segment is not running.
  function reloadAfterChange() {
    if (!window.analytics || !window.analytics.initialized) { location.reload(); return; }
    setTimeout(function () { location.reload(); }, 4000);  // safety net if the event is dropped
  }
  window.analytics.register({
    name: 'Reload after consent change', type: 'after', version: '1.0.0',
    isLoaded: function () { return true; }, load: function () { return Promise.resolve(); },
    track: function (ctx) {
      if (ctx.event.event === 'Segment Consent Preference Updated') { location.reload(); }
      return ctx;
    }
  });

  // In opt-in mode consent-tools never unloads a device-mode destination, so a withdrawn category's
  // destination would still receive the consent-change event before the reload. Drop it here.
  var DESTINATION_CATEGORY = { 'Actions Amplitude': 'analytics', 'Pinterest Conversions API': 'marketing' };
  window.analytics.addDestinationMiddleware('*', function (m) {
    var category = DESTINATION_CATEGORY[m.integration];
    m.next(category && !CookieConsent.acceptedCategory(category) ? null : m.payload);
  });

  CookieConsent.run({
    categories: { necessary: { enabled: true, readOnly: true }, analytics: {}, marketing: {} },
    onConsent: function () { firePixels(categories()); },
    onChange: function (change) {
      var granted = categories();
      listeners.forEach(function (f) { f(granted); });
      // a withdrawn category: the backend asks Segment to suppress and delete the visitor's data
      var withdrawn = (change.changedCategories || []).filter(function (c) { return !granted[c]; });
      if (withdrawn.length) {
        fetch('/api/privacy/revoke', { method: 'POST', credentials: 'same-origin', keepalive: true });
      }
      reloadAfterChange();
    },
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

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(function () { return CookieConsent.validConsent(); }, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: categories,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();

  var button = document.getElementById('add-to-cart');
  if (button) {
    button.addEventListener('click', function () {
      window.analytics.track('Product Added', { sku: button.dataset.sku, price: 12, currency: 'EUR' });
    });
  }

  // The visitor is a customer with an account: Segment knows them by a userId from their first order
  // on (the Privacy API can delete and suppress only a userId, never an anonymousId).
  function customerId() {
    var id = localStorage.getItem('demo_customer');
    if (!id) {
      id = 'customer-' + Math.random().toString(36).slice(2, 10);
      localStorage.setItem('demo_customer', id);
    }
    return id;
  }

  // Checkout: the order is placed by the backend, which sends Order Completed from the server.
  var checkout = document.getElementById('checkout');
  if (checkout) {
    checkout.addEventListener('click', function () {
      window.analytics.identify(customerId());
      fetch('/api/checkout', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: checkout.dataset.sku })
      }).then(function (r) { return r.json(); }).then(function (order) {
        document.getElementById('order').textContent = 'Order ' + order.order_id + ' placed.';
      });
    });
  }
})();
