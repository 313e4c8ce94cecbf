// Violation: like batching-eager-default, but the batching comes from the Segment settings (settings.json,
// deliveryStrategy timeout 1000 ms) rather than from the page: probe must read the delay from the
// settings it captured, and still see the pre-consent batch before the decision.
(function () {
  shopKit.runBanner({
    onConsent: function () { shopKit.firePixels(shopKit.categories()); },
    onChange: function () { window.analytics.track('Segment Consent Preference Updated'); }
  });
  window.analytics.addSourceMiddleware(function (m) {
    m.payload.obj.context = m.payload.obj.context || {};
    m.payload.obj.context.consent = { categoryPreferences: shopKit.categories() };
    m.next(m.payload);
  });
  window.analytics.load('DEMOWRITEKEY', { integrations: { All: false, 'Segment.io': {} } });
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
