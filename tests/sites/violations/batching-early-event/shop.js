// Compliant: the demo's wiring with analytics-next's batching delivery. "Add to cart" is clicked
// before the visitor answers; consent-tools holds the event back until consent, and it then leaves
// in a /v1/b batch. probe must judge it by wire time (after the decision), not by when it was tracked.
(function () {
  var listeners = [];

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
    registerOnConsentChanged: function (setCategories) { listeners.push(setCategories); }
  })(window.analytics);

  // a short timeout so each page's batch leaves while probe is still watching that page
  window.analytics.load('DEMOWRITEKEY', {
    integrations: { 'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 200 } } } }
  });
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
