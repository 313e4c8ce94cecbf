// Violation: a shop that stamps consent itself (a source middleware reading the banner) instead of
// letting consent-tools gate Segment, and loads Segment at once with batching delivery. The stamp is
// there, but the first batch (page view, "Add to cart") leaves before the visitor answered.
(function () {
  shopKit.runBanner({ onConsent: function () { shopKit.firePixels(shopKit.categories()); } });

  window.analytics.addSourceMiddleware(function (m) {
    m.payload.obj.context = m.payload.obj.context || {};
    m.payload.obj.context.consent = { categoryPreferences: shopKit.categories() };
    m.next(m.payload);
  });
  // cloud mode only (All: false turns the device-mode destinations off)
  window.analytics.load('DEMOWRITEKEY', {
    integrations: {
      All: false,
      'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 200 } } }
    }
  });
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
