// Violation: Segment loads at once with analytics-next's default batching (10 events or 5 s), before the
// visitor answers. The stamp is the site's own (a source middleware reading the banner) and the change
// is signalled, so the only thing wrong is the timing: the first batch, the page view and "Add to cart",
// leaves about 5 s after the page, before any decision. A tester that clicks the banner sooner, or closes
// the tab sooner, sees it after the click or never.
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
  // cloud mode only (All: false turns the device-mode destinations off); batching with its defaults
  window.analytics.load('DEMOWRITEKEY', {
    integrations: { All: false, 'Segment.io': { deliveryStrategy: { strategy: 'batching' } } }
  });
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
