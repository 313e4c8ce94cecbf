// Google Analytics 4 in Consent Mode "advanced" style: once the visitor has answered, GA is sent a hit
// whatever the choice, its gcs parameter saying which storage was granted. The demo's Segment wiring
// is unchanged. Violation: the _ga cookie is written under the marketing category instead of
// analytics, so a visitor who refuses analytics but accepts marketing still gets a persistent GA
// client id on the denied hit (an error); refusing both leaves a cookieless ping (a warning).
(function () {
  var listeners = [];

  function gaClientId(granted) {
    var stored = document.cookie.match(/(?:^|; )_ga=GA1\.1\.(\d+\.\d+)/);
    if (stored) { return stored[1]; }
    var id = Math.floor(Math.random() * 1e9) + '.' + Math.floor(Date.now() / 1000);
    if (granted.marketing) { document.cookie = '_ga=GA1.1.' + id + '; path=/; max-age=63072000'; }
    return id;
  }

  function sendGa(granted) {
    var gcs = 'G1' + (granted.marketing ? '1' : '0') + (granted.analytics ? '1' : '0');
    navigator.sendBeacon('https://www.google-analytics.com/g/collect?v=2&tid=G-DEMO123&gcs=' + gcs +
      '&cid=' + gaClientId(granted) + '&en=page_view&dl=' + encodeURIComponent(location.href));
  }

  shopKit.reloadAfterConsentChange();
  shopKit.dropWithdrawnDestinations();
  shopKit.runBanner({
    onConsent: function () {
      var granted = shopKit.categories();
      shopKit.firePixels({ marketing: granted.marketing });
      sendGa(granted);
    },
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

  window.analytics.load('DEMOWRITEKEY');
  window.analytics.page();
  shopKit.onAddToCart(function (name, props) { window.analytics.track(name, props); });
})();
