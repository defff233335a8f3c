//! # accord-rpc
//!
//! The JSON-RPC server, HTTP and WebSocket on one port, speaking Substrate's legacy API so
//! that polkadot.js and subxt work unchanged. The node provides the data through
//! [`NodeApi`]; this crate is the only one that knows JSON.
//!
//! ```text
//! client ──HTTP/WS──▶ jsonrpsee server ──▶ methods.rs / subscriptions.rs ──▶ NodeApi (node)
//! ```
//!
//! Limits: connections, request and response size, subscriptions per connection and batch
//! length are set by [`RpcConfig`]; key lists per call are capped at
//! [`methods::KEYS_PER_CALL_MAX`].

pub mod api;
mod errors;
mod eth;
mod eth_blocks;
mod eth_filters;
pub mod json;
mod legacy;
mod metering;
pub mod methods;
pub mod oplog;
mod releases;
pub mod spec_v2;
mod subscriptions;

use std::net::SocketAddr;
use std::sync::Arc;

use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, ServerHandle};
use jsonrpsee::RpcModule;
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use api::{
    ChainInfo, EpochValidators, Health, MeteringQuote, NetworkInfo, NodeApi, OpKind, OplogEntry, OplogHead, PeerInfo,
    ReleaseRoute, RuntimeVersionInfo, StateError, Submission, SubmitError, TxStatus, WatchedSubmission,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// A method could not be registered (a programming error).
    #[error("registering RPC methods: {0}")]
    Register(#[from] jsonrpsee::core::RegisterMethodError),
    /// The address could not be bound.
    #[error("cannot listen for RPC on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A CORS origin is not a valid header value.
    #[error("invalid --rpc-cors origin {0:?}")]
    BadOrigin(String),
}

/// Which browser origins may call the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cors {
    /// Any origin.
    All,
    /// Only these origins (for example `http://localhost:3000`).
    List(Vec<String>),
}

/// Server settings and limits.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Where to listen (port 0 picks a free port).
    pub addr: SocketAddr,
    /// Simultaneous connections.
    pub max_connections: u32,
    /// Largest request body, bytes.
    pub max_request_bytes: u32,
    /// Largest response body, bytes.
    pub max_response_bytes: u32,
    /// Subscriptions one connection may hold.
    pub max_subscriptions_per_connection: u32,
    /// Calls in one batch.
    pub max_batch_len: u32,
    /// Allowed browser origins.
    pub cors: Cors,
}

impl RpcConfig {
    /// Substrate's defaults on `addr`: 100 connections, 15 MiB requests and responses, 1024
    /// subscriptions per connection, batches of 256.
    pub fn with_defaults(addr: SocketAddr) -> RpcConfig {
        RpcConfig {
            addr,
            max_connections: 100,
            max_request_bytes: 15 * 1024 * 1024,
            max_response_bytes: 15 * 1024 * 1024,
            max_subscriptions_per_connection: 1024,
            max_batch_len: 256,
            cors: Cors::All,
        }
    }
}

/// A running server.
pub struct RpcServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Stops the server when told (or dropped).
    pub handle: ServerHandle,
}

/// Builds the module with every method, plus `rpc_methods` listing them.
pub fn module(api: Arc<dyn NodeApi>) -> Result<RpcModule<methods::Ctx>, RpcError> {
    let mut module = RpcModule::new(methods::Ctx { api: api.clone(), eth_filters: Default::default() });
    methods::register(&mut module)?;
    subscriptions::register(&mut module)?;
    oplog::register(&mut module)?;
    releases::register(&mut module)?;
    metering::register(&mut module)?;
    legacy::register(&mut module)?;
    eth::register(&mut module)?;
    eth_blocks::register(&mut module)?;
    eth_filters::register(&mut module)?;
    // The new JSON-RPC spec (chainHead_v1, transaction_v1, chainSpec_v1, archive_v1): its own
    // context (follow subscriptions by connection), merged into this module.
    module.merge(spec_v2::module(api)?)?;
    let mut names: Vec<&'static str> = module.method_names().collect();
    names.push("rpc_methods");
    names.sort_unstable();
    let listing = json!({ "methods": names });
    module.register_method("rpc_methods", move |_, ctx, _| {
        ctx.api.record_rpc_call("rpc_methods");
        Ok::<_, jsonrpsee::types::ErrorObjectOwned>(listing.clone())
    })?;
    Ok(module)
}

fn cors_layer(cors: &Cors) -> Result<CorsLayer, RpcError> {
    let origins = match cors {
        Cors::All => AllowOrigin::any(),
        Cors::List(list) => {
            let values: Result<Vec<http::HeaderValue>, _> = list
                .iter()
                .map(|o| http::HeaderValue::from_str(o).map_err(|_| RpcError::BadOrigin(o.clone())))
                .collect();
            AllowOrigin::list(values?)
        }
    };
    Ok(CorsLayer::new()
        .allow_methods([http::Method::POST, http::Method::GET])
        .allow_origin(origins)
        .allow_headers([http::header::CONTENT_TYPE]))
}

/// Starts the server on the current tokio runtime.
pub async fn start(config: RpcConfig, api: Arc<dyn NodeApi>) -> Result<RpcServer, RpcError> {
    let module = module(api)?;
    let server_config = ServerConfig::builder()
        .max_connections(config.max_connections)
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch_len))
        // Subscription ids are strings, as Substrate's: the new spec says so, and PAPI's
        // chainHead client fails on a numeric follow subscription id.
        .set_id_provider(jsonrpsee::server::RandomStringIdProvider::new(16))
        .build();
    let middleware = tower::ServiceBuilder::new().layer(cors_layer(&config.cors)?);
    let server = Server::builder()
        .set_config(server_config)
        .set_http_middleware(middleware)
        .build(config.addr)
        .await
        .map_err(|source| RpcError::Bind { addr: config.addr, source })?;
    let addr = server.local_addr().map_err(|source| RpcError::Bind { addr: config.addr, source })?;
    let handle = server.start(module);
    Ok(RpcServer { addr, handle })
}
