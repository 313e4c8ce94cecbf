// Compliant: the demo's consent-tools wiring with batching (1 s) and no reload on a change of mind. The
// visitor clicks "Add to cart" and withdraws consent right after: that batch was created before the
// revoke and must leave before probe marks it, and the consent-change event then sits in the buffer for
// up to a second before it is sent. Neither may be judged on the wrong side of the revoke.
(function () {
  var listeners = [];

  shopKit.dropWithdrawnDestinations();
  shopKit.runBanner({
    onConsent: function () { shopKit.firePixels(shopKit.categories()); },
    onChange: function () {
      var granted = shopKit.categories();
      listeners.forEach(function (f) { f(granted); });
    }
  });

  SegmentConsentTools.createWrapper({
    shouldLoadSegment: async function (ctx) {
      await SegmentConsentTools.resolveWhen(function () { return CookieConsent.validConsent(); }, 200);
      return ctx.load({ consentModel: 'opt-in' });
    },
    getCategories: shopKit.categories,
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  window.analytics.load('DEMOWRITEKEY', {
    integrations: { 'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 1000 } } } }
  });
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
