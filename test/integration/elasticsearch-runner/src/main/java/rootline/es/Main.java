package rootline.es;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

/**
 * Starts one Elasticsearch node bound to 127.0.0.1 on the given HTTP port and blocks until killed.
 * Args: basePath httpPort. Prints "ROOTLINE_ES_READY <port>" once the cluster is yellow.
 */
public final class Main {
  public static void main(String[] args) throws Exception {
    String basePath = args[0];
    int port = Integer.parseInt(args[1]);
    ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
    // the runner only probes ports up to this bound (9299 by default)
    runner.setMaxHttpPort(port + 1);
    runner.onBuild((number, settings) -> {
      settings.put("network.host", "127.0.0.1");
      settings.put("http.port", Integer.toString(port));
      settings.put("transport.port", Integer.toString(port + 100));
      // the CI disk may be fuller than Elasticsearch's default watermarks allow
      settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
      settings.put("http.max_content_length", "200mb");
      settings.put("search.max_buckets", "200000");
      settings.put("xpack.security.enabled", "false");
      settings.put("xpack.license.self_generated.type", "basic");
    }).build(ElasticsearchClusterRunner.newConfigs()
        .basePath(basePath)
        .numOfNode(1)
        .baseHttpPort(port - 1)
        .clusterName("rootline-it")
        .disableESLogger()
        .pluginTypes("org.elasticsearch.xpack.core.XPackPlugin"));
    runner.ensureYellow();
    System.out.println("ROOTLINE_ES_READY " + port);
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try { runner.close(); } catch (Exception e) { /* exiting anyway */ }
    }));
    Thread.currentThread().join();
  }
}
