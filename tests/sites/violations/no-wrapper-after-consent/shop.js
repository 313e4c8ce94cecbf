// Violation: the shop waits for consent before it loads Segment, but calls the snippet's own
// analytics.load() instead of going through @segment/analytics-consent-tools. Nothing is sent early,
// yet no event carries context.consent.categoryPreferences, so Segment cannot enforce the choice
// per destination.
(function () {
  function loadIfAllowed() {
    if (CookieConsent.acceptedCategory('analytics')) { window.analytics.load('DEMOWRITEKEY'); }
  }

  shopKit.runBanner({
    onConsent: function () {
      shopKit.firePixels(shopKit.categories());
      loadIfAllowed();
    }
  });

  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
