// Compliant: batching-revoke's wiring (consent-tools, 1 s batches, no reload on a change of mind) plus a
// slow asynchronous source middleware, as a site that looks something up for every event has: each event
// is stamped by consent-tools first, then held 1.5 s before it reaches the batch. analytics-next hands an
// event to its plugins at once when its queue is empty, so a held event sits in no queue; probe must still
// wait for it before it marks the revoke, or the "Add to cart" clicked under the old choice would cross
// the mark with the old stamp.
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
  window.analytics.addSourceMiddleware(function (m) {
    return new Promise(function (resolve) {
      setTimeout(function () { m.next(m.payload); resolve(); }, 1500);
    });
  });
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
