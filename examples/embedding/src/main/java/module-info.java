/** The embedding examples: a module that can reach only what Hyperweave's engine exports. */
module example.embedding {
    requires dev.hyperweave.engine;
}
