// Violation: the demo's Segment wiring (compliant), but the Facebook and Google Analytics pixels and a
// chat widget are hard-coded to fire on every page view, whatever the banner says: before the visitor
// answers, and again after they refused analytics.
(function () {
  var listeners = [];

  shopKit.reloadAfterConsentChange();
  shopKit.dropWithdrawnDestinations();
  shopKit.runBanner({
    onChange: function () {
      var granted = shopKit.categories();
      listeners.forEach(function (f) { f(granted); });
      shopKit.reloadSoon();
    }
  });
  shopKit.firePixels({ analytics: true, marketing: true });
  navigator.sendBeacon('https://widget.chatty.test/v2/hello?site=demo-shop');

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(function () { return CookieConsent.validConsent(); }, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: shopKit.categories,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
