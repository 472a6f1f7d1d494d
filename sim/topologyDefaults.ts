/**
 * The simulator's transit-stub topology (sim/transitStub.ts) and its link stress counter
 * (sim/linkStress.ts): the default topology, which is the ~5,000-router preset, and the bounds that
 * keep the model's memory in check. Spread into DEFAULTS (defaults.ts).
 */
export const TOPOLOGY_DEFAULTS = {
  /** Transit-stub topology: transit domains (the backbone's autonomous systems). Default preset: 10. */
  transitStubDomains: 10,
  /** Transit-stub topology: routers in each transit domain. Default preset: 10 (100 transit routers). */
  transitStubRoutersPerTransit: 10,
  /** Transit-stub topology: stub domains hanging off each transit router. Default preset: 4 (400 stubs). */
  transitStubStubsPerTransitRouter: 4,
  /** Transit-stub topology: routers in each stub domain. Default preset: 12 (4,800 stub routers; 4,900 routers in all). */
  transitStubRoutersPerStub: 12,
  /**
   * Transit-stub topology: probability that a pair of routers of one domain (transit or stub) not
   * already joined by the domain's random spanning tree gets a link of its own. Default 0.2.
   */
  transitStubExtraEdgeProbability: 0.2,
  /**
   * Transit-stub topology: probability that a pair of transit domains not already joined by the
   * domains' random spanning tree gets a link (between one random router of each). Default 0.3.
   */
  transitStubInterDomainEdgeProbability: 0.3,
  /**
   * Transit-stub topology: one-way latency range [min, max] (ms) of a link, by kind; each link draws
   * its latency uniformly from its kind's range. `access` is an overlay node's link to its stub router.
   */
  transitStubLatencyMs: {
    /** Between routers of two transit domains: [20, 40] ms. */
    interTransit: [20, 40],
    /** Between routers of one transit domain: [5, 15] ms. */
    intraTransit: [5, 15],
    /** A stub domain's gateway link to its transit router: [2, 6] ms. */
    transitStub: [2, 6],
    /** Between routers of one stub domain: [1, 4] ms. */
    intraStub: [1, 4],
    /** An overlay node's access link to its stub router: [0.5, 2] ms. */
    access: [0.5, 2],
  },
  /** Transit-stub topology: most routers in one topology (the model keeps a few arrays per router). */
  topologyMaxRouters: 50_000,
  /** Transit-stub topology: most transit routers; their all-pairs table holds this squared entries (12 bytes each). */
  topologyMaxTransitRouters: 1_000,
  /** Transit-stub topology: most routers per stub domain; each stub keeps its own all-pairs table (this squared entries). */
  topologyMaxRoutersPerStub: 64,
  /**
   * Link stress counter: most message classes counted at once; each holds one 4-byte counter per
   * physical link. Datagrams of a class past the limit are counted in `overflow`, not per link.
   */
  linkStressMaxClasses: 64,
  /** Simulator: most link counters one simulated network feeds at once (SimNetwork.countLinks). */
  simMaxLinkCounters: 8,
} as const;
