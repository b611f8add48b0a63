// Starts the vendored GraphiQL against this server. The page carries the board session's
// anti-CSRF value (a <meta> tag, empty without a session); it goes out as the X-MC-CSRF header
// on HTTP and as `csrf` in the WebSocket's connection_init payload, which is how the server
// accepts the session cookie from this page and from no other (docs/security.md).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="mc-csrf"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var http = window.location.origin + "/graphql";
  var ws = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/graphql";
  var fetcher = GraphiQL.createFetcher({
    url: http,
    subscriptionUrl: ws,
    headers: csrf ? { "X-MC-CSRF": csrf } : {},
    wsConnectionParams: csrf ? { csrf: csrf } : {},
  });
  var who = document.querySelector('meta[name="mc-actor"]');
  var defaultQuery = csrf
    ? "# Signed in from your board session as " + (who ? who.getAttribute("content") : "you") +
      ".\n# Ctrl-Enter runs the query.\n\n{\n  me\n}\n"
    : "# Not signed in: log in on the board first (/login), or put\n" +
      '# {"Authorization": "Bearer <token>"} in the Headers tab below.\n\n{\n  me\n}\n';
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: !csrf,
      shouldPersistHeaders: false,
    })
  );
})();
