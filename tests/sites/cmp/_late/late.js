// A tag-manager-style late loader for the fixture sites. A route's `replace` turns the page's own
// <script> tags into inert `type="text/late"` ones and adds this loader; `data-delay-ms` after the
// page's load event it re-creates them in document order (deferred ones last, as the parser would
// have run them), each waiting for the one before, the way a tag manager injects a CMP.
(function () {
  var loader = document.currentScript;
  var delay = Number(loader.getAttribute('data-delay-ms') || 2000);

  function revive(inert) {
    return new Promise(function (done) {
      var script = document.createElement('script');
      Array.prototype.forEach.call(inert.attributes, function (a) {
        if (a.name !== 'type') { script.setAttribute(a.name, a.value); }
      });
      script.async = false;
      if (inert.src) {
        script.onload = script.onerror = function () { done(); };
      } else {
        script.text = inert.text;
      }
      inert.replaceWith(script);  // same place: scripts that read document.currentScript or their siblings
      if (!inert.src) { done(); }
    });
  }

  function start() {
    var all = Array.prototype.slice.call(document.querySelectorAll('script[type="text/late"]'));
    var ordered = all.filter(function (s) { return !s.defer; }).concat(all.filter(function (s) { return s.defer; }));
    ordered.reduce(function (chain, inert) { return chain.then(function () { return revive(inert); }); },
                   Promise.resolve());
  }

  function later() { setTimeout(start, delay); }
  if (document.readyState === 'complete') { later(); } else { window.addEventListener('load', later); }
})();
