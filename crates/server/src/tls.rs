//! HTTPS: the server terminates TLS itself when the configuration names a certificate chain and
//! its key (PEM files). rustls does the protocol; this module reads the files, swaps the
//! certificate on reload (SIGHUP) without touching open connections, and turns a TCP listener
//! into one that yields finished TLS streams to `axum::serve`.
//!
//! Handshakes run in their own tasks with a deadline and a cap on how many run at once, so a
//! client that opens a connection and sends nothing never holds up anyone else's.

use anyhow::{Context, Result, bail};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The longest a client may take to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many handshakes may run at once; more connections wait in the kernel's backlog.
pub const HANDSHAKES_MAX: usize = 256;

/// Where the certificate chain and its private key are (`[server] tls_certificate`, `tls_key`).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TlsFiles {
    /// PEM file with the server's certificate first, then the intermediates.
    pub certificate: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The certificate the server presents now; [`Certificates::reload`] replaces it for every
/// handshake that starts afterwards.
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificates {
    /// Reads the files; an error says which file and what is wrong with it.
    pub fn load(files: TlsFiles) -> Result<Arc<Self>> {
        let key = read_certified_key(&files)?;
        Ok(Arc::new(Self {
            files,
            current: RwLock::new(Arc::new(key)),
        }))
    }

    /// Reads the files again. On an error the certificate in use stays, and the error says why.
    pub fn reload(&self) -> Result<()> {
        let key = read_certified_key(&self.files)?;
        *self
            .current
            .write()
            .expect("the certificate lock is not poisoned") = Arc::new(key);
        Ok(())
    }

    /// The files this certificate comes from.
    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// rustls's configuration for a server presenting this certificate (HTTP/1.1 only: the
    /// desktop's WebSocket upgrades over it).
    pub fn server_config(self: &Arc<Self>) -> Arc<rustls::ServerConfig> {
        let mut config = self.plain_server_config();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }

    /// rustls's configuration for SIP over TLS presenting this certificate: the same
    /// certificate and reload as HTTPS, no ALPN (SIP phones offer none).
    pub fn sip_server_config(self: &Arc<Self>) -> Arc<rustls::ServerConfig> {
        Arc::new(self.plain_server_config())
    }

    fn plain_server_config(self: &Arc<Self>) -> rustls::ServerConfig {
        rustls::ServerConfig::builder_with_provider(Arc::new(crypto_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_no_client_auth()
            .with_cert_resolver(self.clone())
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .expect("the certificate lock is not poisoned")
                .clone(),
        )
    }
}

fn read_certified_key(files: &TlsFiles) -> Result<CertifiedKey> {
    let pem = read(&files.certificate, "certificate chain (tls_certificate)")?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| {
            format!(
                "{}: not a PEM certificate chain",
                files.certificate.display()
            )
        })?;
    if chain.is_empty() {
        bail!(
            "{}: no certificate in it (expected PEM blocks \"-----BEGIN CERTIFICATE-----\", the server's first)",
            files.certificate.display()
        );
    }
    let pem = read(&files.key, "private key (tls_key)")?;
    let key = PrivateKeyDer::from_pem_slice(&pem).with_context(|| {
        format!(
            "{}: no private key in it (expected PEM \"PRIVATE KEY\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\")",
            files.key.display()
        )
    })?;
    let key = CertifiedKey::from_der(chain, key, &crypto_provider()).with_context(|| {
        format!(
            "{} does not belong to the first certificate of {}",
            files.key.display(),
            files.certificate.display()
        )
    })?;
    Ok(key)
}

/// rustls on *ring*, the provider rsipstack's SIP over TLS is built on too, so one provider is
/// compiled in (aws-lc-rs would add a large C build). rustls 0.23.48 deprecates it because it
/// lacks the post-quantum hybrid key exchange; the classical suites it offers stay secure today.
#[allow(deprecated)]
pub fn crypto_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the {what} {}", path.display()))
}

/// A listener that hands `axum::serve` connections whose TLS handshake has finished.
pub struct TlsListener {
    local_addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Accepts on `listener` and shakes hands with `config` in the background.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (sender, ready) = mpsc::channel(HANDSHAKES_MAX);
        let accept_task = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), sender));
        Ok(Self {
            local_addr,
            ready,
            accept_task,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(HANDSHAKES_MAX));
    loop {
        let Ok(permit) = handshakes.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // As axum does: out of file descriptors and the like pass; wait a little.
                tracing::warn!(%error, "HTTPS accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    let _ = ready.send((stream, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept loop only ends when the listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
