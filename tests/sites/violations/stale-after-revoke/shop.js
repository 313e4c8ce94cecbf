// Violation, visible only where the visitor withdraws consent: the shop reads the banner once per page
// load and keeps that snapshot. It loads Segment only after consent and signals a change correctly
// ("Segment Consent Preference Updated" with the new choice), but until the next page load every event
// is stamped with the old choice and "Add to cart" still fires the Facebook pixel.
(function () {
  var snapshot = null;

  shopKit.runBanner({
    onConsent: function () {
      snapshot = shopKit.categories();
      shopKit.firePixels(snapshot);
      // stamp with the page's snapshot, unless the event says its own consent (the change event does)
      window.analytics.addSourceMiddleware(function (m) {
        var context = m.payload.obj.context = m.payload.obj.context || {};
        if (!context.consent) { context.consent = { categoryPreferences: snapshot }; }
        m.next(m.payload);
      });
      window.analytics.load('DEMOWRITEKEY', { integrations: { All: false, 'Segment.io': {} } });
    },
    onChange: function () {
      window.analytics.track('Segment Consent Preference Updated', {}, {
        context: { consent: { categoryPreferences: shopKit.categories() } }
      });
    }
  });
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) {
    window.analytics.track(name, props);
    if (snapshot && snapshot.marketing) {
      // a cache buster, as the real pixel has: a document reuses an image of the same URL without a request
      new Image().src = 'https://www.facebook.com/tr?id=1234567890&ev=AddToCart&dl=' +
        encodeURIComponent(location.href) + '&ts=' + Date.now();
    }
  });
})();
