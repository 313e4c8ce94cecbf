// Violation: the demo's wiring, plus a shouldEnableIntegration override that keeps the Amplitude
// device-mode destination "always on" for product analytics. consent-tools therefore loads Amplitude's
// bundle even when the visitor refused analytics. (The destination middleware still drops its events,
// so the bundle load itself is the violation.)
(function () {
  var listeners = [];
  var ALWAYS_ON = ['Actions Amplitude'];

  shopKit.reloadAfterConsentChange();
  shopKit.dropWithdrawnDestinations();
  shopKit.runBanner({
    onConsent: function () { shopKit.firePixels(shopKit.categories()); },
    onChange: function () {
      var granted = shopKit.categories();
      listeners.forEach(function (f) { f(granted); });
      shopKit.reloadSoon();
    }
  });

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(function () { return CookieConsent.validConsent(); }, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: shopKit.categories,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); },
    shouldEnableIntegration: function (integrationCategories, granted, info) {
      if (ALWAYS_ON.indexOf(info.creationName) >= 0) { return true; }
      return integrationCategories.every(function (c) { return granted[c]; });
    }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
