/* The sales dashboard (api/dashboard.py): signs a staff user in with `staffTokenCreate` (or takes a
 * pasted access token), asks POST /graphql for `salesReport` per period and per store over the
 * chosen business days, and draws both with Chart.js. The API decides what the token may read: a
 * store manager's reports cover their store, and a refusal is shown as such, never as "no sales".
 * The access token is kept in this tab's sessionStorage only; the refresh token of a sign-in on this
 * page only in memory, to renew the access token when the server refuses it. When a chart has finished drawing its
 * <figure> gets data-state="drawn" (the browser check in .ci/dashboard-check waits for it). */
"use strict";

(() => {
  const GRAPHQL = "/graphql";
  const TOKEN_KEY = "omnishop.dashboard.token";
  const PER_NAMES = { DAY: "day", WEEK: "week", MONTH: "month" };
  const SIGN_IN = `mutation DashboardSignIn($input: StaffTokenCreateInput!) {
  staffTokenCreate(input: $input) {
    accessToken refreshToken
    staff { name role location { code name } }
    userErrors { code message }
  }
}`;
  const REFRESH = `mutation DashboardRefresh($input: TokenRefreshInput!) {
  tokenRefresh(input: $input) { accessToken refreshToken userErrors { code message } }
}`;
  const SIGN_OUT = `mutation DashboardSignOut($input: TokenRevokeInput!) {
  tokenRevoke(input: $input) { revoked userErrors { code message } }
}`;
  const REPORT = `query Dashboard($filter: ReportFilter!, $per: ReportDimension!) {
  byPeriod: salesReport(filter: $filter, groupBy: [$per]) {
    totals {
      orders units gross { amount currency } discounts { amount } returns { amount } net { amount currency }
      averageOrderValue { amount }
    }
    rows { date figures { orders net { amount } } }
  }
  byStore: salesReport(filter: $filter, groupBy: [LOCATION]) {
    rows { location { code name } figures { orders net { amount } } }
  }
}`;

  /** A failure to show: `state` is "problem", "forbidden" or "signed-out". */
  class Problem extends Error {
    constructor(state, message) {
      super(message);
      this.state = state;
    }
  }

  const $ = (id) => document.getElementById(id);
  let refreshToken = null; // from a sign-in on this page, kept in memory only: after a reload, sign in again
  let latest = 0; // the number of the last report asked for: older answers are dropped
  let money = (value) => String(value);
  let axisMoney = (value) => String(value); // whole units: the axis needs no cents
  const charts = {};

  async function post(query, variables, token) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(GRAPHQL, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      throw new Problem("problem", `The server did not answer (${error.message}).`);
    }
    if (response.status === 401) {
      throw new Problem("signed-out", "The server refused this token (expired, revoked, not a token): sign in again.");
    }
    if (response.status === 429) {
      throw new Problem("problem", "Too many requests: wait a moment and try again.");
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new Problem("problem", `The server answered ${response.status} without a GraphQL result.`);
    }
    const [error] = body.errors || [];
    if (error) {
      const code = error.extensions && error.extensions.code;
      if (code === "FORBIDDEN") {
        throw new Problem("forbidden", `Not for this account: ${error.message} (FORBIDDEN)`);
      }
      if (code === "UNAUTHENTICATED") throw new Problem("signed-out", `Sign in first: ${error.message}`);
      throw new Problem("problem", `${error.message}${code ? ` (${code})` : ""}`);
    }
    return body.data;
  }

  function status(state, text) {
    const line = $("status");
    line.dataset.state = state;
    line.textContent = text;
  }

  // --- the period -------------------------------------------------------------------------------

  const pad = (n) => String(n).padStart(2, "0");
  const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const utcDay = (d) => d.toISOString().slice(0, 10);

  function applyPreset() {
    const preset = $("preset").value;
    const today = new Date();
    let from;
    let to = today;
    if (preset === "this-year") {
      from = new Date(today.getFullYear(), 0, 1);
    } else if (preset === "last-year") {
      from = new Date(today.getFullYear() - 1, 0, 1);
      to = new Date(today.getFullYear() - 1, 11, 31);
    } else if (preset !== "custom") {
      from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - Number(preset) + 1);
    }
    if (from) {
      $("from").value = localDay(from);
      $("to").value = localDay(to);
    }
  }

  /** The first day of every day, week (Monday) or month from `from` to `to`: the chart's x axis,
   * so that periods without sales show as gaps rather than disappear. */
  function periodStarts(from, to, per) {
    const day = new Date(`${from}T00:00:00Z`);
    const end = new Date(`${to}T00:00:00Z`);
    if (per === "WEEK") day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
    if (per === "MONTH") day.setUTCDate(1);
    const starts = [];
    while (day <= end && starts.length < 2000) {
      starts.push(utcDay(day));
      if (per === "MONTH") day.setUTCMonth(day.getUTCMonth() + 1);
      else day.setUTCDate(day.getUTCDate() + (per === "WEEK" ? 7 : 1));
    }
    return starts;
  }

  // --- drawing ----------------------------------------------------------------------------------

  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function chart(id, figure, horizontal) {
    if (charts[id]) return charts[id];
    const valueAxis = horizontal ? "x" : "y";
    charts[id] = new Chart($(id), {
      type: "bar",
      data: {
        labels: [],
        datasets: [
          {
            label: "Net",
            data: [],
            borderRadius: 2,
            maxBarThickness: 48,
            backgroundColor: (context) => (context.raw < 0 ? "#d64545" : "#2b6cb0"),
          },
        ],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: {
          duration: reducedMotion ? 0 : 300,
          onComplete: () => {
            if ($(figure).dataset.state === "loading") $(figure).dataset.state = "drawn";
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (context) => {
                const count = context.chart.$orders[context.dataIndex] || 0;
                return `net ${money(context.raw)} · ${count} order${count === 1 ? "" : "s"}`;
              },
            },
          },
        },
        scales: {
          [valueAxis]: { beginAtZero: true, ticks: { callback: (value) => axisMoney(value), maxRotation: 0 } },
          [horizontal ? "y" : "x"]: { ticks: { autoSkip: true, maxRotation: 0 } },
        },
      },
    });
    charts[id].$orders = [];
    return charts[id];
  }

  function draw(id, figure, horizontal, labels, values, orders) {
    const target = chart(id, figure, horizontal);
    $(figure).dataset.state = "loading";
    $(figure).dataset.points = String(values.filter((v) => v !== 0).length);
    target.data.labels = labels;
    target.data.datasets[0].data = values;
    // a year of days: bars side by side, else too thin to see
    target.data.datasets[0].categoryPercentage = values.length > 60 ? 1 : 0.8;
    target.data.datasets[0].barPercentage = values.length > 60 ? 1 : 0.9;
    target.$orders = orders;
    target.update();
  }

  function clear(state) {
    for (const [id, figure, horizontal] of [
      ["by-period-chart", "by-period", false],
      ["by-store-chart", "by-store", true],
    ]) {
      draw(id, figure, horizontal, [], [], []);
      $(figure).dataset.state = state;
    }
    $("totals").replaceChildren();
  }

  function totalsLine(totals) {
    const t = totals;
    const strong = document.createElement("strong");
    strong.textContent = `Net ${money(t.net.amount)}`;
    const parts = [
      `${t.orders} order${t.orders === 1 ? "" : "s"}`,
      `${t.units} unit${t.units === 1 ? "" : "s"}`,
      `gross ${money(t.gross.amount)}`,
      `discounts ${money(t.discounts.amount)}`,
      `returns ${money(t.returns.amount)}`,
      `average order ${t.averageOrderValue ? money(t.averageOrderValue.amount) : "–"}`,
    ];
    $("totals").replaceChildren(strong, ` · ${parts.join(" · ")}`);
  }

  // --- the report -------------------------------------------------------------------------------

  /** The report; an access token the server refuses (they last 15 minutes) is renewed once with the
   * refresh token of this page's sign-in, when there is one. */
  async function report(variables, token) {
    try {
      return await post(REPORT, variables, token);
    } catch (error) {
      if (error.state !== "signed-out") throw error;
      const renewed = await renew();
      if (!renewed) throw error;
      return await post(REPORT, variables, renewed);
    }
  }

  async function show() {
    const token = $("token").value.trim();
    const from = $("from").value;
    const to = $("to").value;
    const per = $("per").value;
    $("per-name").textContent = PER_NAMES[per];
    if (!token) {
      status("signed-out", "Sign in (or paste a staff access token) first.");
      return;
    }
    if (!from || !to || from > to) {
      status("problem", "Pick a period: From on or before To.");
      return;
    }
    const asked = ++latest;
    status("loading", `Loading ${from} to ${to}…`);
    let data;
    try {
      data = await report({ filter: { from, to }, per }, token);
    } catch (error) {
      if (asked !== latest) return;
      status(error.state || "problem", error.message);
      clear(error.state === "forbidden" ? "forbidden" : "empty");
      return;
    }
    if (asked !== latest) return;
    const currency = data.byPeriod.totals.net.currency;
    const format = new Intl.NumberFormat(undefined, { style: "currency", currency });
    money = (value) => format.format(Number(value));
    const whole = new Intl.NumberFormat(undefined, {
      style: "currency",
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 0,
    });
    axisMoney = (value) => whole.format(Number(value));

    const byDate = new Map(data.byPeriod.rows.map((row) => [row.date, row.figures]));
    const starts = periodStarts(from, to, per);
    draw(
      "by-period-chart",
      "by-period",
      false,
      starts,
      starts.map((d) => Number(byDate.has(d) ? byDate.get(d).net.amount : 0)),
      starts.map((d) => (byDate.has(d) ? byDate.get(d).orders : 0)),
    );
    const stores = [...data.byStore.rows].sort((a, b) => Number(b.figures.net.amount) - Number(a.figures.net.amount));
    draw(
      "by-store-chart",
      "by-store",
      true,
      stores.map((row) => (row.location ? `${row.location.code} ${row.location.name}` : "No store (deliveries)")),
      stores.map((row) => Number(row.figures.net.amount)),
      stores.map((row) => row.figures.orders),
    );
    totalsLine(data.byPeriod.totals);
    const t = data.byPeriod.totals;
    if (t.orders === 0 && Number(t.net.amount) === 0) {
      status("empty", `No sales from ${from} to ${to} (${currency}) that this account may see.`);
    } else {
      status("shown", `Sales from ${from} to ${to}, in ${currency}, per ${PER_NAMES[per]} and by store.`);
    }
  }

  // --- signing in -------------------------------------------------------------------------------

  function remember(token) {
    $("token").value = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  /** A new access token from the refresh token of this page's sign-in (each is single-use), or null. */
  async function renew() {
    const used = refreshToken;
    refreshToken = null;
    if (!used) return null;
    try {
      const result = (await post(REFRESH, { input: { refreshToken: used } }, null)).tokenRefresh;
      if (result.userErrors.length || !result.accessToken) return null;
      refreshToken = result.refreshToken;
      remember(result.accessToken);
      return result.accessToken;
    } catch {
      return null;
    }
  }

  /** Forgets the tokens; the sign-in's refresh token is revoked, so the access token dies with it. */
  function signOut() {
    if (refreshToken) post(SIGN_OUT, { input: { refreshToken } }, null).catch(() => {});
    refreshToken = null;
    remember("");
    $("who").textContent = "Not signed in.";
    clear("empty");
    status("signed-out", "Signed out: token forgotten.");
  }

  async function signIn(event) {
    event.preventDefault();
    const email = $("email").value.trim();
    const password = $("password").value;
    if (!email || !password) {
      status("problem", "Enter the e-mail and password of a staff user (or paste an access token).");
      return;
    }
    status("loading", `Signing in as ${email}…`);
    let result;
    try {
      result = (await post(SIGN_IN, { input: { email, password } }, null)).staffTokenCreate;
    } catch (error) {
      status(error.state || "problem", error.message);
      return;
    }
    $("password").value = "";
    if (result.userErrors.length) {
      const [error] = result.userErrors;
      status("signed-out", `Not signed in: ${error.message} (${error.code})`);
      return;
    }
    remember(result.accessToken);
    refreshToken = result.refreshToken;
    const { name, role, location } = result.staff;
    $("who").textContent = `Signed in as ${name} (${role.toLowerCase()}${location ? `, ${location.code}` : ""}).`;
    await show();
  }

  document.addEventListener("DOMContentLoaded", () => {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    applyPreset();
    $("preset").addEventListener("change", applyPreset);
    for (const id of ["from", "to"]) $(id).addEventListener("input", () => ($("preset").value = "custom"));
    $("sign-in").addEventListener("submit", signIn);
    $("token").addEventListener("change", () => {
      remember($("token").value.trim());
      refreshToken = null; // a pasted token is not this page's sign-in
      $("who").textContent = $("token").value ? "Using a pasted token." : "Not signed in.";
    });
    $("sign-out").addEventListener("click", signOut);
    $("period").addEventListener("submit", (event) => {
      event.preventDefault();
      show();
    });
    const kept = sessionStorage.getItem(TOKEN_KEY);
    if (kept) {
      $("token").value = kept;
      $("who").textContent = "Using the token of this tab's last sign-in.";
      show();
    }
  });
})();
