// Violation: the snippet's analytics.load() runs at once, as in Segment's plain install guide, with
// no consent wrapper. Segment (and every device-mode destination) loads, stores ajs_* ids and sends
// events before the visitor answers the banner, and no event carries a consent stamp.
// The Google and Facebook pixels are still gated by the banner, as in the demo.
(function () {
  shopKit.runBanner({ onConsent: function () { shopKit.firePixels(shopKit.categories()); } });

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
